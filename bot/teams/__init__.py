"""The Microsoft Teams face: Adaptive Cards in a channel, Action.Execute buttons, dialogs, leads' commands."""

import warnings

# The SDK announces a preview feature (HTML widgets) as it is imported; Squeaky does not use it.
warnings.filterwarnings("ignore", message="HtmlWidgetSecurityPolicy is in preview")
warnings.filterwarnings("ignore", message="The bot client is deprecated")  # the SDK builds one in every API client

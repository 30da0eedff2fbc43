"""The platform-neutral core of Squeaky: complaints, their lifecycle and the use cases agents drive."""

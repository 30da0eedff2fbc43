"""The scale-out storm's shape: how many posts, processes and agents, and when a worker is killed."""

POSTS = 10_000
FROM_X = 3_000
STORM_SECONDS = 10.0
REQUESTS = 70  # intake requests of 100 posts, alternating between the two web processes
VIPS = 12
AGENTS = 50
WORKERS = 3
KILL_AT = 6.0  # seconds after the first post, mid-storm: one worker is killed with SIGKILL
OBSERVE_SECONDS = 100.0
CHANNEL = "C0CARE"
WARM_UP = "early_bird"  # who posts the mention before the storm

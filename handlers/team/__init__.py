"""The team: leads' commands and their answers, statistics, service levels, on-call and spikes."""

"""The platform-neutral core of Squeaky, on floors that import only downwards (an import-linter contract checks it).

From the top: team, outbox, queues, people, intake, cases (the use cases, in that order), dispatch (what the use cases
hand the outbox), text, ports (Protocols over the domain) and domain (data types and pure rules, at the bottom).
"""

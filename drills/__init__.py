"""The drill suite: the real deployment (two web, three worker, one ingest processes) on its own PostgreSQL and
Redis with the local stand-ins, complaints streaming in and agents clicking, while one fault at a time is injected;
each drill is counted where its side effects land. `python -m drills` (or `make drills`)."""

"""Sources other than X's API: file replay (twcs CSV, JSONL) and the HTTP intake, all producing one normalized shape."""

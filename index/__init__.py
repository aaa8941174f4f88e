"""Search: Arabic text analysis and search backends (SQLite FTS5, Elasticsearch) behind one
interface."""

"""Collection: discovering broadcasts on outlets (Scrapy, yt-dlp listing) and capturing
their media as evidence (yt-dlp download, hashing, custody records)."""

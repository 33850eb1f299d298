"""Reading articles: from files, folders, globs, stdin or strings, cleaned of scraped junk."""

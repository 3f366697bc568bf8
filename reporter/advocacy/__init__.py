"""The advocates' published stories: the organisation's approved, redacted stories, filtered,
read on a page and exported as JSON and CSV."""

"""A small shop that sends login codes by SMS: the Django integration's test project."""

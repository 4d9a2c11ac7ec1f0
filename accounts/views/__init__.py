"""Account API views, one module per topic."""

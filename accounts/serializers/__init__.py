"""Account API serializers, one module per topic."""

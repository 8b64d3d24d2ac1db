"""The service's routes, one router per concern: health, models, inference, admin."""

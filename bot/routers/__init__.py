"""One aiogram ``Router`` per feature, each built by a factory (a router attaches to one dispatcher)."""

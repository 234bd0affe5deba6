"""The domain. Services take plain values and a SQLAlchemy session; they never read the
request, and they never commit: the caller owns the unit of work."""

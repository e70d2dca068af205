"""Demo data beyond the foundation's layers. Each module has
``load(session, county, directory) -> str`` (a one-line summary) and is run by
``gridmap demo load`` after the layers, in name order, in the same transaction.
"""

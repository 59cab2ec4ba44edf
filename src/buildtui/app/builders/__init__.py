"""The Builders pane: the list of builders, their details, and the screens that create,
use, bootstrap, inspect, prune and remove one.
"""

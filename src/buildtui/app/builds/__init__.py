"""The Build pane: the form, the live steps and log, the history, replays and the compare
screen.
"""

"""The Registry pane: repositories, tags, the manifest tree, the raw manifest, opening
another registry and logging in.
"""

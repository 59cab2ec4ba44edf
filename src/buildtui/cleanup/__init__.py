"""Deleting images, tags and cache images from a registry:2 and reclaiming the space.

Pure planning (`graph`, `plan`, `present`), then the I/O that carries a plan out
(`execute`, over HTTP), garbage collection in the registry container (`gc`, docker
CLI) and the check that every remaining tag still has all it needs (`verify`).
No Textual here.
"""

"""The Clean-up pane: the selection, the deletion plan, its execution, garbage collection,
the space view and the retention rules.
"""

"""The Class pane (`buildtui class REF`): every submission of a class, checked, and its
report.
"""

"""What every pane uses: screen-text widgets, the status and title bars, the footer, marks,
notes, the confirmation dialog and the doctor.
"""

"""Parts of the case detail pane: the case's text and colours, its timeline, its hand-offs to
neighbouring centres and the attachment preview (the pane itself is console.qt.panes.case_detail).
"""

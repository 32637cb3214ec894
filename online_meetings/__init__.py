"""CANVAS_LTI (LTI tool placements in Canvas courses) and ONLINE_MEETINGS (Zoom usage) jobs."""

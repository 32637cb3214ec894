"""CANVAS_LTI: external-tool (LTI) tabs placed in published Canvas courses."""

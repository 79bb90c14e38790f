"""What the command line calls: building, training and testing from a config
(:mod:`.runner`), short-run schedules, drawing segmentation and detection results, and
complexity counts of whole models."""

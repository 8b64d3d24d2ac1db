"""pytest settings for the notebooks folder.

The student copies in ``exercises/`` are generated from the solved notebooks and differ from them only
by removed solutions and cleared outputs: running them again under nbval would double the suite's time
and fail on the empty answer cells. ``tests/test_exercises.py`` proves instead that they are current.
"""

collect_ignore = ["exercises"]

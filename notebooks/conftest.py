"""pytest settings for the notebooks folder.

The Portuguese notebooks in ``pt-BR/`` run the same code as the English ones but for the language line
(``tests/test_translations.py`` proves it), so nbval runs the English ones only.

The student copies in ``exercises/`` are generated from the solved notebooks and differ from them only
by removed solutions and quiz answers (the other cells keep the solved run's outputs): running them
again under nbval would double the suite's time. ``tests/test_exercises.py`` proves instead that they are current.
"""

collect_ignore = ["exercises", "pt-BR"]

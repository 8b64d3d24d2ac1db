"""Model published as data (modelo publicado como dados): an online model that learns from a stream.

- ``events``: flights → departure and arrival events, in time order;
- ``log``: the event log with offsets (SQLite by default, Redis Streams with consumer groups);
- ``producer``: replays 2013 into the log;
- ``online``: the river model that predicts at departure and learns at arrival;
- ``learner``: the process that runs it on the log, checkpoints it and publishes snapshots;
- ``store``: the folder of snapshots (the model as data) and the learner's checkpoint;
- ``predictor``: reads the newest snapshot, without restarting.
"""

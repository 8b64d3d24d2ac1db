"""Model published as data (modelo publicado como dados): an online model that learns from a stream.

- ``events``: flights → departure and arrival events, in time order;
- ``log``: the event log with offsets (SQLite by default, Redis Streams with consumer groups);
- ``producer``: replays 2013 into the log;
- ``online``: the river model that predicts at departure and learns at arrival;
- ``published``: the model as data: the JSON document published on the log's model stream;
- ``learner``: the process that runs it on the log, checkpoints it and publishes each version;
- ``store``: the learner's private folder (checkpoint, outputs);
- ``predictor``: follows the model stream and scores with the newest good version, without restarting.
"""

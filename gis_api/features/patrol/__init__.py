"""Patrol planning: stops, tours over the road network, street patrols, saved plans."""

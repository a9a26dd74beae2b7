package io.k8sensus.chaos;

/** One measured value of one trial (numbered from 1); NaN where nothing happened within the wait (no takeover). */
record Sample(String contender, String timings, int trial, String figure, String unit, double value) {}

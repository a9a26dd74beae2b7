package io.k8sensus.chaos;

import java.util.List;

/** One measured value of one trial (numbered from 1); NaN where nothing happened within the wait (no takeover). */
record Sample(String contender, String timings, int trial, String figure, String unit, double value) {

    /** Adds the values of one contender's trial at one timings to {@code into}, in the order measured. */
    record Recorder(List<Sample> into, String contender, String timings, int trial) {
        void add(String figure, String unit, double value) {
            into.add(new Sample(contender, timings, trial, figure, unit, value));
        }
    }
}

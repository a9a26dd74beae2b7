package io.k8sensus.fencing;

/** An exchange came from a leader whose term is over (or carries no term at all), and was rejected. */
public class StaleLeaderException extends Exception {

    public StaleLeaderException(String message) {
        super(message);
    }
}

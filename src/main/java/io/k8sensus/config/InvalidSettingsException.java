package io.k8sensus.config;

/**
 * A configuration value breaks one of the election's rules. The message names the key and the rule, so that it can be
 * shown to an operator as it is, without a stack trace.
 */
public class InvalidSettingsException extends IllegalArgumentException {

    public InvalidSettingsException(String message) {
        super(message);
    }
}

/*
 * The outcome of one case on one backend: the comparison statistics the table and the JSON report
 * show, or why the case was skipped or could not run.
 */
package io.github.softmaxcl.verify;

import io.github.softmaxcl.ElementType;
import io.github.softmaxcl.reference.Comparison;

/**
 * @param caseName the case's name
 * @param rows rows
 * @param cols row length
 * @param precision precision
 * @param device the backend's device
 * @param variant the backend's name (kernel variant)
 * @param status pass, fail or skipped
 * @param comparison the statistics; null when skipped or when the backend threw
 * @param detail first failing element, the exception message, or the skip reason; empty if none
 * @param deviceMillis wall time of the backend call in milliseconds (0 when it did not run)
 */
public record CaseResult(String caseName, int rows, int cols, ElementType precision, String device, String variant,
        Status status, Comparison comparison, String detail, double deviceMillis) {

    /** Outcome of a case. */
    public enum Status {
        /** Within tolerance. */
        PASS,
        /** Outside tolerance, or the backend failed. */
        FAIL,
        /** Not run: the backend cannot run the shape or precision. */
        SKIPPED
    }

    /** @return whether this result counts as a failure */
    public boolean failed() {
        return status == Status.FAIL;
    }
}

/*
 * Where one operand of a call lives: caller memory on the host, or a device tensor. The engine
 * runs host operands through the chunked pipeline and device operands in place.
 */
package io.github.softmaxcl.exec;

/** Host or device data of one operand. */
public sealed interface Operand permits HostData, DeviceData {
    /** @return elements held */
    long elements();
}

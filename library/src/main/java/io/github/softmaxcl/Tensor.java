/*
 * What every operand of a softmax call is: an element type and a shape, with the data either in
 * host memory (HostTensor) or on the engine's device (DeviceTensor).
 */
package io.github.softmaxcl;

/** A typed, shaped operand: {@link HostTensor} or {@link DeviceTensor}. */
public sealed interface Tensor permits HostTensor, DeviceTensor {
    /** @return the element type */
    ElementType type();

    /** @return a copy of the shape (row-major, last axis contiguous) */
    long[] shape();

    /** @return the number of elements, the product of the shape */
    long elements();
}

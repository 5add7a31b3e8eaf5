/*
 * The ONNX Runtime contender needs a model, and onnxruntime's jar ships no model builder (nor
 * protobuf), so this writes the serialized ModelProto of a one-node Softmax graph by hand: a
 * protobuf encoder for the dozen fields involved, nothing more. Field numbers are onnx.proto's.
 */
package io.github.softmaxcl.jmh;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Bytes of the ONNX model {@code y = Softmax(x, axis=-1)} with {@code x, y: float[rows, cols]}, the
 * two dimensions symbolic so one model serves every shape. Opset 13, where Softmax normalises along
 * a single axis (earlier opsets flattened everything after {@code axis}).
 *
 * <p>Used by {@link SoftmaxBenchmark}; run it with {@code bench/jmh.sh}.
 */
final class OnnxSoftmaxModel {
    /** IR version 8 (ONNX 1.10): new enough for opset 13, old enough for any recent runtime. */
    private static final long IR_VERSION = 8;
    private static final long OPSET = 13;
    /** TensorProto.DataType.FLOAT. */
    private static final int ELEM_FLOAT = 1;
    /** AttributeProto.AttributeType.INT. */
    private static final int ATTR_INT = 2;

    private OnnxSoftmaxModel() {}

    /** @return the serialized ModelProto */
    static byte[] bytes() {
        Msg node = new Msg()
                .string(1, "x") // NodeProto.input
                .string(2, "y") // NodeProto.output
                .string(3, "softmax") // NodeProto.name
                .string(4, "Softmax") // NodeProto.op_type
                .message(5, new Msg() // NodeProto.attribute
                        .string(1, "axis") // AttributeProto.name
                        .int64(3, -1) // AttributeProto.i
                        .int64(20, ATTR_INT)); // AttributeProto.type
        Msg graph = new Msg()
                .message(1, node) // GraphProto.node
                .string(2, "softmax") // GraphProto.name
                .message(11, tensor("x")) // GraphProto.input
                .message(12, tensor("y")); // GraphProto.output
        return new Msg()
                .int64(1, IR_VERSION) // ModelProto.ir_version
                .string(2, "softmax-cl-jmh") // ModelProto.producer_name
                .message(7, graph) // ModelProto.graph
                .message(8, new Msg() // ModelProto.opset_import: the default ("") domain
                        .string(1, "")
                        .int64(2, OPSET))
                .toByteArray();
    }

    /** ValueInfoProto {name, type: TypeProto{tensor_type{elem_type FLOAT, shape [rows, cols]}}}. */
    private static Msg tensor(String name) {
        Msg shape = new Msg()
                .message(1, new Msg().string(2, "rows")) // TensorShapeProto.dim{dim_param}
                .message(1, new Msg().string(2, "cols"));
        Msg tensorType = new Msg().int64(1, ELEM_FLOAT).message(2, shape);
        return new Msg()
                .string(1, name) // ValueInfoProto.name
                .message(2, new Msg().message(1, tensorType)); // ValueInfoProto.type{tensor_type}
    }

    /** A protobuf message under construction: varint (wire type 0) and length-delimited (2) fields. */
    private static final class Msg {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Msg int64(int field, long value) {
            varint((long) field << 3);
            varint(value); // negative int64 values take ten bytes, as protobuf specifies
            return this;
        }

        Msg string(int field, String value) {
            return bytes(field, value.getBytes(StandardCharsets.UTF_8));
        }

        Msg message(int field, Msg value) {
            return bytes(field, value.toByteArray());
        }

        private Msg bytes(int field, byte[] value) {
            varint(((long) field << 3) | 2);
            varint(value.length);
            out.writeBytes(value);
            return this;
        }

        private void varint(long v) {
            while ((v & ~0x7FL) != 0) {
                out.write((int) ((v & 0x7F) | 0x80));
                v >>>= 7;
            }
            out.write((int) v);
        }

        byte[] toByteArray() {
            return out.toByteArray();
        }
    }
}

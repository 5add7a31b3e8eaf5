/*
 * The single place that turns OpenCL status codes into exceptions, plus small typed wrappers over
 * JOCL's clGet*Info calls. JOCL is a 1:1 binding with a process-wide exception switch that we leave
 * alone; instead every call site passes its status through check() so the error names the call.
 */
package io.github.softmaxcl.cl;

import static org.jocl.CL.CL_SUCCESS;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.jocl.CL;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_device_id;
import org.jocl.cl_platform_id;

/** Status checking and info queries shared by the OpenCL wrappers. */
public final class Cl {
    private Cl() {}

    private static final Map<Integer, String> NAMES = Map.ofEntries(
            Map.entry(0, "CL_SUCCESS"),
            Map.entry(-1, "CL_DEVICE_NOT_FOUND"),
            Map.entry(-2, "CL_DEVICE_NOT_AVAILABLE"),
            Map.entry(-3, "CL_COMPILER_NOT_AVAILABLE"),
            Map.entry(-4, "CL_MEM_OBJECT_ALLOCATION_FAILURE"),
            Map.entry(-5, "CL_OUT_OF_RESOURCES"),
            Map.entry(-6, "CL_OUT_OF_HOST_MEMORY"),
            Map.entry(-7, "CL_PROFILING_INFO_NOT_AVAILABLE"),
            Map.entry(-8, "CL_MEM_COPY_OVERLAP"),
            Map.entry(-9, "CL_IMAGE_FORMAT_MISMATCH"),
            Map.entry(-10, "CL_IMAGE_FORMAT_NOT_SUPPORTED"),
            Map.entry(-11, "CL_BUILD_PROGRAM_FAILURE"),
            Map.entry(-12, "CL_MAP_FAILURE"),
            Map.entry(-13, "CL_MISALIGNED_SUB_BUFFER_OFFSET"),
            Map.entry(-14, "CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST"),
            Map.entry(-15, "CL_COMPILE_PROGRAM_FAILURE"),
            Map.entry(-16, "CL_LINKER_NOT_AVAILABLE"),
            Map.entry(-17, "CL_LINK_PROGRAM_FAILURE"),
            Map.entry(-18, "CL_DEVICE_PARTITION_FAILED"),
            Map.entry(-19, "CL_KERNEL_ARG_INFO_NOT_AVAILABLE"),
            Map.entry(-30, "CL_INVALID_VALUE"),
            Map.entry(-31, "CL_INVALID_DEVICE_TYPE"),
            Map.entry(-32, "CL_INVALID_PLATFORM"),
            Map.entry(-33, "CL_INVALID_DEVICE"),
            Map.entry(-34, "CL_INVALID_CONTEXT"),
            Map.entry(-35, "CL_INVALID_QUEUE_PROPERTIES"),
            Map.entry(-36, "CL_INVALID_COMMAND_QUEUE"),
            Map.entry(-37, "CL_INVALID_HOST_PTR"),
            Map.entry(-38, "CL_INVALID_MEM_OBJECT"),
            Map.entry(-39, "CL_INVALID_IMAGE_FORMAT_DESCRIPTOR"),
            Map.entry(-40, "CL_INVALID_IMAGE_SIZE"),
            Map.entry(-41, "CL_INVALID_SAMPLER"),
            Map.entry(-42, "CL_INVALID_BINARY"),
            Map.entry(-43, "CL_INVALID_BUILD_OPTIONS"),
            Map.entry(-44, "CL_INVALID_PROGRAM"),
            Map.entry(-45, "CL_INVALID_PROGRAM_EXECUTABLE"),
            Map.entry(-46, "CL_INVALID_KERNEL_NAME"),
            Map.entry(-47, "CL_INVALID_KERNEL_DEFINITION"),
            Map.entry(-48, "CL_INVALID_KERNEL"),
            Map.entry(-49, "CL_INVALID_ARG_INDEX"),
            Map.entry(-50, "CL_INVALID_ARG_VALUE"),
            Map.entry(-51, "CL_INVALID_ARG_SIZE"),
            Map.entry(-52, "CL_INVALID_KERNEL_ARGS"),
            Map.entry(-53, "CL_INVALID_WORK_DIMENSION"),
            Map.entry(-54, "CL_INVALID_WORK_GROUP_SIZE"),
            Map.entry(-55, "CL_INVALID_WORK_ITEM_SIZE"),
            Map.entry(-56, "CL_INVALID_GLOBAL_OFFSET"),
            Map.entry(-57, "CL_INVALID_EVENT_WAIT_LIST"),
            Map.entry(-58, "CL_INVALID_EVENT"),
            Map.entry(-59, "CL_INVALID_OPERATION"),
            Map.entry(-60, "CL_INVALID_GL_OBJECT"),
            Map.entry(-61, "CL_INVALID_BUFFER_SIZE"),
            Map.entry(-62, "CL_INVALID_MIP_LEVEL"),
            Map.entry(-63, "CL_INVALID_GLOBAL_WORK_SIZE"),
            Map.entry(-64, "CL_INVALID_PROPERTY"),
            Map.entry(-65, "CL_INVALID_IMAGE_DESCRIPTOR"),
            Map.entry(-66, "CL_INVALID_COMPILER_OPTIONS"),
            Map.entry(-67, "CL_INVALID_LINKER_OPTIONS"),
            Map.entry(-68, "CL_INVALID_DEVICE_PARTITION_COUNT"),
            Map.entry(-1001, "CL_PLATFORM_NOT_FOUND_KHR"));

    /**
     * @param status an OpenCL status code
     * @return its name as the specification spells it, or {@code CL_UNKNOWN_ERROR}
     */
    public static String statusName(int status) {
        return NAMES.getOrDefault(status, "CL_UNKNOWN_ERROR");
    }

    /**
     * @param status the status an OpenCL call returned
     * @param call the call's name, for the message
     * @throws ClException if {@code status} is not {@code CL_SUCCESS}
     */
    public static void check(int status, String call) {
        if (status != CL_SUCCESS) {
            throw new ClException(call, status, "");
        }
    }

    /**
     * @param status the status an OpenCL call returned
     * @param call the call's name
     * @param detail context for the message (sizes, names)
     * @throws ClException if {@code status} is not {@code CL_SUCCESS}
     */
    public static void check(int status, String call, String detail) {
        if (status != CL_SUCCESS) {
            throw new ClException(call, status, detail);
        }
    }

    private static ByteBuffer deviceInfo(cl_device_id device, int param) {
        long[] size = new long[1];
        check(CL.clGetDeviceInfo(device, param, 0, null, size), "clGetDeviceInfo");
        ByteBuffer buffer = ByteBuffer.allocateDirect((int) Math.max(size[0], 8)).order(ByteOrder.nativeOrder());
        check(CL.clGetDeviceInfo(device, param, size[0], Pointer.to(buffer), null), "clGetDeviceInfo");
        return buffer;
    }

    /**
     * @param device the device
     * @param param a CL_DEVICE_* string query
     * @return the string, without the trailing NUL
     * @throws ClException if the query fails
     */
    public static String deviceString(cl_device_id device, int param) {
        return cString(deviceInfo(device, param));
    }

    /**
     * @param device the device
     * @param param a CL_DEVICE_* query of type cl_ulong
     * @return the value
     * @throws ClException if the query fails
     */
    public static long deviceLong(cl_device_id device, int param) {
        return deviceInfo(device, param).getLong(0);
    }

    /**
     * @param device the device
     * @param param a CL_DEVICE_* query of type cl_uint or cl_bool
     * @return the value
     * @throws ClException if the query fails
     */
    public static int deviceInt(cl_device_id device, int param) {
        return deviceInfo(device, param).getInt(0);
    }

    /**
     * @param device the device
     * @param param a CL_DEVICE_* query of type size_t
     * @return the value
     * @throws ClException if the query fails
     */
    public static long deviceSize(cl_device_id device, int param) {
        ByteBuffer b = deviceInfo(device, param);
        return Sizeof.size_t == 8 ? b.getLong(0) : b.getInt(0) & 0xFFFFFFFFL;
    }

    /**
     * @param platform the platform
     * @param param a CL_PLATFORM_* string query
     * @return the string, without the trailing NUL
     * @throws ClException if the query fails
     */
    public static String platformString(cl_platform_id platform, int param) {
        long[] size = new long[1];
        check(CL.clGetPlatformInfo(platform, param, 0, null, size), "clGetPlatformInfo");
        ByteBuffer buffer = ByteBuffer.allocateDirect((int) Math.max(size[0], 1));
        check(CL.clGetPlatformInfo(platform, param, size[0], Pointer.to(buffer), null), "clGetPlatformInfo");
        return cString(buffer);
    }

    static String cString(ByteBuffer buffer) {
        byte[] bytes = new byte[buffer.capacity()];
        buffer.get(0, bytes);
        int n = 0;
        while (n < bytes.length && bytes[n] != 0) {
            n++;
        }
        return new String(bytes, 0, n, StandardCharsets.UTF_8).trim();
    }
}

/*
 * The private arrays a kernel declares, in bytes, read from its source with the build options of a
 * plan: no OpenCL driver here reports private memory (PoCL answers a constant 1024, Oclgrind 0), so
 * the tests that check plans against GPU profiles measure the arrays themselves. Array sizes are
 * evaluated from the -D options and the sources' own #defines (integer arithmetic only); element
 * sizes from the storage and compute types the options select. The figure for a kernel is an upper
 * bound: its own arrays plus the largest set of arrays any helper function of the program declares,
 * whether the kernel calls it or not.
 */
package io.github.softmaxcl.kernel;

import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

final class PrivateArrays {
    private static final Pattern DEFINE = Pattern.compile("^\\s*#\\s*define\\s+(\\w+)\\s+(.+?)\\s*(/\\*.*)?$");
    private static final Pattern ARRAY = Pattern.compile("^\\s*(?:const\\s+)?(\\w+)\\s+(\\w+)((?:\\[[^\\]]+\\])+)"
            + "\\s*(?:=.*)?;");
    private static final Pattern FUNCTION = Pattern.compile("^(?:__kernel\\s+|inline\\s+|static\\s+)*\\w+\\s+\\**"
            + "(\\w+)\\s*\\(");

    private PrivateArrays() {}

    /**
     * @param file the kernel file
     * @param options the build options it is built with
     * @param kernel the kernel function
     * @return bytes of private arrays one work-item of the kernel holds, at most
     * @throws IllegalArgumentException if the kernel is not in the file or a size cannot be evaluated
     */
    static long bytes(String file, String options, String kernel) {
        String source = KernelSource.load(file);
        Map<String, String> macros = new HashMap<>();
        for (String o : options.trim().split("\\s+")) {
            if (o.startsWith("-D")) {
                int eq = o.indexOf('=');
                macros.put(eq < 0 ? o.substring(2) : o.substring(2, eq), eq < 0 ? "1" : o.substring(eq + 1));
            }
        }
        for (String line : source.split("\n")) {
            Matcher d = DEFINE.matcher(line);
            if (d.matches() && !macros.containsKey(d.group(1))) {
                macros.put(d.group(1), d.group(2)); // first definition wins, as after an #ifndef default
            }
        }
        int compute = macros.containsKey("USE_DOUBLE") ? 8 : 4;
        int storage = macros.containsKey("STORAGE_HALF") || macros.containsKey("STORAGE_BF16") ? 2 : compute;
        Map<String, Long> perFunction = new HashMap<>();
        java.util.Set<String> kernels = new java.util.HashSet<>();
        String function = null;
        boolean kernelNext = false;
        for (String line : source.split("\n")) {
            if (!line.isEmpty() && !Character.isWhitespace(line.charAt(0))) {
                String decl = line.replaceFirst("^__kernel\\s+__attribute__\\(\\(.*\\)\\)\\s*", "__kernel ");
                Matcher f = FUNCTION.matcher(decl);
                if (f.find()) {
                    function = f.group(1);
                    if (kernelNext || decl.startsWith("__kernel")) {
                        kernels.add(function);
                    }
                    kernelNext = false;
                } else {
                    kernelNext = decl.equals("__kernel "); // the attribute line of a kernel declared below
                }
            }
            Matcher a = ARRAY.matcher(line);
            if (function == null || !a.find() || line.contains("__local")) {
                continue;
            }
            long n = element(a.group(1), compute, storage, macros);
            if (n == 0) {
                continue; // not a declaration: a statement that happens to look like one
            }
            for (String dim : a.group(3).substring(1, a.group(3).length() - 1).split("\\]\\[")) {
                n *= eval(dim, macros, 0);
            }
            perFunction.merge(function, n, Long::sum);
        }
        if (!kernels.contains(kernel)) {
            throw new IllegalArgumentException("no kernel " + kernel + " in " + file + " (kernels: " + kernels + ")");
        }
        long helper = perFunction.entrySet().stream().filter(e -> !kernels.contains(e.getKey()))
                .mapToLong(Map.Entry::getValue).max().orElse(0);
        return perFunction.getOrDefault(kernel, 0L) + helper;
    }

    private static long element(String type, int compute, int storage, Map<String, String> macros) {
        long vec = eval("VEC", macros, 0);
        return switch (type) {
            case "real" -> compute;
            case "real2", "real4", "real8", "real16" -> compute * Long.parseLong(type.substring(4));
            case "realv" -> compute * vec;
            case "intv" -> (compute == 8 ? 8 : 4) * vec;
            case "ucharv" -> vec;
            case "store_t" -> storage;
            case "float", "int", "uint" -> 4;
            case "double", "long", "ulong" -> 8;
            case "half", "short", "ushort" -> 2;
            case "uchar", "char", "bool" -> 1;
            default -> 0;
        };
    }

    /** Evaluates an integer expression of literals, macros, + - * / and parentheses. */
    static long eval(String expr, Map<String, String> macros, int depth) {
        if (depth > 20) {
            throw new IllegalArgumentException("macros nest too deep in " + expr);
        }
        Matcher m = Pattern.compile("[A-Za-z_]\\w*").matcher(expr);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String v = macros.get(m.group());
            if (v == null) {
                throw new IllegalArgumentException("no value for " + m.group() + " in " + expr);
            }
            m.appendReplacement(out, "(" + eval(v, macros, depth + 1) + ")");
        }
        m.appendTail(out);
        return new Arithmetic(out.toString().replaceAll("(?<=\\d)[uUlL]+", "")).parse();
    }

    /** Recursive descent over + - * / and parentheses of integers. */
    private static final class Arithmetic {
        private final String s;
        private int at;

        Arithmetic(String s) {
            this.s = s.replace(" ", "");
        }

        long parse() {
            long v = sum();
            if (at != s.length()) {
                throw new IllegalArgumentException("cannot evaluate " + s);
            }
            return v;
        }

        private long sum() {
            long v = product();
            while (at < s.length() && (s.charAt(at) == '+' || s.charAt(at) == '-')) {
                v = s.charAt(at++) == '+' ? v + product() : v - product();
            }
            return v;
        }

        private long product() {
            long v = atom();
            while (at < s.length() && (s.charAt(at) == '*' || s.charAt(at) == '/')) {
                v = s.charAt(at++) == '*' ? v * atom() : v / atom();
            }
            return v;
        }

        private long atom() {
            if (at < s.length() && s.charAt(at) == '(') {
                at++;
                long v = sum();
                at++; // ')'
                return v;
            }
            int start = at;
            while (at < s.length() && Character.isDigit(s.charAt(at))) {
                at++;
            }
            if (start == at) {
                throw new IllegalArgumentException("cannot evaluate " + s);
            }
            return Long.parseLong(s.substring(start, at));
        }
    }
}

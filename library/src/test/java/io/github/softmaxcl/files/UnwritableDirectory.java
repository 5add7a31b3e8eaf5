/*
 * For tests of "permission denied" messages: a directory this process cannot create files in,
 * also when the tests run as root, who may write into any read-only directory.
 */
package io.github.softmaxcl.files;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/** Finds a directory that refuses new files. */
public final class UnwritableDirectory {
    private UnwritableDirectory() {}

    /**
     * A read-only directory made under {@code parent}, or, when that accepts new files (root), /sys,
     * where nobody can create files. Aborts the calling test (an assumption) if neither refuses.
     *
     * @param parent a writable directory to make the read-only one in
     * @return a directory in which creating a file fails with "permission denied"
     * @throws IOException if the read-only directory cannot be made
     */
    public static Path in(Path parent) throws IOException {
        Path ro = Files.createDirectory(parent.resolve("read-only"));
        Files.setPosixFilePermissions(ro, PosixFilePermissions.fromString("r-xr-xr-x"));
        if (!canCreateIn(ro)) {
            return ro;
        }
        Path sys = Path.of("/sys");
        assumeTrue(Files.isDirectory(sys) && !canCreateIn(sys),
                "running as root, and /sys accepts new files: no directory refuses them");
        return sys;
    }

    private static boolean canCreateIn(Path d) throws IOException {
        Path probe = d.resolve("probe-" + System.nanoTime());
        try {
            Files.createFile(probe);
        } catch (FileSystemException e) {
            return false; // AccessDeniedException, or EROFS and the like
        }
        Files.delete(probe);
        return true;
    }
}

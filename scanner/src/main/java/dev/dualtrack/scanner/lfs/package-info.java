/**
 * Git LFS in a checkout: pointer files checked against the objects present, where {@code .lfsconfig} sends
 * downloads, and which weight formats {@code .gitattributes} hands to LFS. Formats from the Git LFS
 * pointer specification (in the git-lfs project) and git-config(1).
 */
package dev.dualtrack.scanner.lfs;

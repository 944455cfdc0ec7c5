/* SPDX-License-Identifier: MIT */
/*
 * virtio-fs (feature `virtio-fs`, DESIGN.md D7): FUSE over virtio. The PCI
 * driver is registered by pci_init and sends FUSE_INIT at probe time
 * (polling); virtio_fs_mount_all, called once after vfs_init, mounts each
 * device: tag "root" at the working directory wd (HERMIT_WD), any other
 * tag at "/<tag>".
 */
#ifndef KERNEL_VIRTIO_FS_H
#define KERNEL_VIRTIO_FS_H

void virtio_fs_init(void);
void virtio_fs_mount_all(const char *wd);

#endif

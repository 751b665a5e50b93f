package main

import (
	"io"
	"os"
	"syscall"
)

// lockFile opens path (made if missing) sharing it with other shared holders, or with
// nobody for an exclusive lock: Windows then refuses any other open (a sharing violation).
func lockFile(path string, exclusive bool) (io.Closer, error) {
	name, err := syscall.UTF16PtrFromString(path)
	if err != nil {
		return nil, err
	}
	share := uint32(syscall.FILE_SHARE_READ | syscall.FILE_SHARE_WRITE)
	if exclusive {
		share = 0
	}
	h, err := syscall.CreateFile(name, syscall.GENERIC_READ|syscall.GENERIC_WRITE, share, nil,
		syscall.OPEN_ALWAYS, syscall.FILE_ATTRIBUTE_NORMAL, 0)
	if err == syscall.Errno(32) { // ERROR_SHARING_VIOLATION
		return nil, errLocked
	}
	if err != nil {
		return nil, err
	}
	return os.NewFile(uintptr(h), path), nil
}

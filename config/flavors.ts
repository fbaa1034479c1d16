// Memory and vCPUs of the OVH Public Cloud flavors this project may use (OVH's public catalogue), so the
// container memory budget can be checked against the host before anything is deployed.
export interface FlavorSize {
  memoryMiB: number;
  vcpus: number;
}

export const FLAVOR_SIZES: Record<string, FlavorSize> = {
  "d2-2": { memoryMiB: 2048, vcpus: 1 },
  "d2-4": { memoryMiB: 4096, vcpus: 2 },
  "d2-8": { memoryMiB: 8192, vcpus: 4 },
  "b3-8": { memoryMiB: 8192, vcpus: 2 },
  "b3-16": { memoryMiB: 16384, vcpus: 4 },
  "b3-32": { memoryMiB: 32768, vcpus: 8 },
  "b3-64": { memoryMiB: 65536, vcpus: 16 },
  "c3-4": { memoryMiB: 4096, vcpus: 2 },
  "c3-8": { memoryMiB: 8192, vcpus: 4 },
  "c3-16": { memoryMiB: 16384, vcpus: 8 },
  "r3-16": { memoryMiB: 16384, vcpus: 2 },
  "r3-32": { memoryMiB: 32768, vcpus: 4 },
};

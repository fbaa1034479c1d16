// IPv4 helpers for the settings' cross-field checks. Pure functions, no dependencies.

const OCTET = "(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)";
const IPV4 = new RegExp(`^${OCTET}(\\.${OCTET}){3}$`);

export function isIpv4(value: string): boolean {
  return IPV4.test(value);
}

export function isIpv4Cidr(value: string): boolean {
  const [ip, bits, ...rest] = value.split("/");
  if (rest.length > 0 || ip === undefined || bits === undefined || !/^\d{1,2}$/.test(bits)) return false;
  return isIpv4(ip) && Number(bits) <= 32;
}

export function ipv4ToInt(ip: string): number {
  return ip.split(".").reduce((acc, octet) => acc * 256 + Number(octet), 0);
}

export function intToIpv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join(".");
}

/** First and last address of a CIDR (network and broadcast addresses included). */
export function cidrRange(cidr: string): { first: number; last: number; prefix: number } {
  const [ip, bits] = cidr.split("/") as [string, string];
  const prefix = Number(bits);
  const size = 2 ** (32 - prefix);
  const first = Math.floor(ipv4ToInt(ip) / size) * size;
  return { first, last: first + size - 1, prefix };
}

/** True when the CIDR's address is its network address (10.0.0.0/24, not 10.0.0.5/24). */
export function isNetworkAddress(cidr: string): boolean {
  return ipv4ToInt(cidr.split("/")[0] as string) === cidrRange(cidr).first;
}

/** A usable host address of the CIDR: inside it, neither the network nor the broadcast address. */
export function isHostInCidr(ip: string, cidr: string): boolean {
  const { first, last, prefix } = cidrRange(cidr);
  const value = ipv4ToInt(ip);
  if (prefix >= 31) return value >= first && value <= last;
  return value > first && value < last;
}

// Addressing of the private subnet: static host addresses come from the settings; DHCP hands out only the
// top quarter of the subnet so it never collides with them.
import { cidrRange, intToIpv4, ipv4ToInt } from "./ipv4";

export interface AddressPool {
  start: string;
  end: string;
}

export function dhcpPool(cidr: string): AddressPool {
  const { first, last } = cidrRange(cidr);
  const size = last - first + 1;
  return { start: intToIpv4(first + Math.floor((size * 3) / 4)), end: intToIpv4(last - 1) };
}

export function inPool(ip: string, pool: AddressPool): boolean {
  const value = ipv4ToInt(ip);
  return value >= ipv4ToInt(pool.start) && value <= ipv4ToInt(pool.end);
}

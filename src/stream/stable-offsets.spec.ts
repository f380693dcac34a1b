import { decodeOffsetFetch, encodeOffsetFetch, NotYet } from './stable-offsets';

// Responses as a Kafka 3.9 broker sent them (after the correlation id), for topic "t".
const response = (partitions: string, errorCode = '0000') => Buffer.from(`00` + `00000000` + `02` + `0274` + partitions + `00` + errorCode + `00`, 'hex');
const partition = (index: string, offset: string, errorCode = '0000') => index + offset + 'ffffffff' + '01' + errorCode + '00';

describe('OffsetFetch v7 on the wire', () => {
  it("asks for one topic's partitions with require_stable, after header v2's empty tagged fields", () => {
    expect(encodeOffsetFetch('g', 't', [0, 1]).toString('hex')).toBe('00' + '0267' + '02' + '0274' + '03' + '00000000' + '00000001' + '00' + '01' + '00');
  });

  it("reads each partition's committed offset, -1 for none", () => {
    const raw = response('03' + partition('00000000', '000000000000002a') + partition('00000001', 'ffffffffffffffff'));
    expect(decodeOffsetFetch(raw)).toEqual([
      { partition: 0, offset: 42n },
      { partition: 1, offset: -1n },
    ]);
  });

  it('says to ask again while a transaction is applying its offsets, or the coordinator moves', () => {
    const unstable = response('02' + partition('00000001', 'ffffffffffffffff', '0058'));
    expect(() => decodeOffsetFetch(unstable)).toThrow(NotYet);
    const notCoordinator = Buffer.from('00' + '00000000' + '01' + '0010' + '00', 'hex');
    expect(() => decodeOffsetFetch(notCoordinator)).toThrow(NotYet);
  });

  it('fails on any other error, with its code', () => {
    const unauthorised = response('02' + partition('00000000', '0000000000000001', '001e'));
    expect(() => decodeOffsetFetch(unauthorised)).toThrow('Kafka error code 30');
  });
});

import { expect } from '@open-wc/testing';
import { EventStreamParser, type StreamMessage } from '../../../widgets/api/events.js';

/** Parses `chunks` in order; returns the messages, the retry values and the last event ID. */
function parse(chunks: string[], lastEventId = '') {
  const messages: StreamMessage[] = [];
  const retries: number[] = [];
  const parser = new EventStreamParser((m) => messages.push(m), (ms) => retries.push(ms), lastEventId);
  for (const c of chunks) parser.push(c);
  return { messages, retries, lastEventId: parser.lastEventId };
}

// The cases of the WHATWG event-stream interpretation
// (https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation).
describe('EventStreamParser', () => {
  it('dispatches an event at a blank line, with its type, data and id', () => {
    const { messages, lastEventId } = parse(['id: evt_1\nevent: issue.created\ndata: {"a":1}\n\n']);
    expect(messages).to.deep.equal([{ type: 'issue.created', data: '{"a":1}', lastEventId: 'evt_1' }]);
    expect(lastEventId).to.equal('evt_1');
  });

  it('ends lines at CRLF, LF or CR, also when a CRLF is split between chunks', () => {
    const { messages } = parse(['data: one\r', '\ndata: two\rdata: three\r\n\r', '\n', 'data: four\n\n']);
    expect(messages.map((m) => m.data)).to.deep.equal(['one\ntwo\nthree', 'four']);
  });

  it('reads fields split anywhere between chunks', () => {
    const text = 'event: service.status_changed\nid: e7\ndata: {"x":"é"}\n\n';
    const { messages } = parse([...text]);
    expect(messages).to.deep.equal([{ type: 'service.status_changed', data: '{"x":"é"}', lastEventId: 'e7' }]);
  });

  it('skips comments, drops one space after the colon only, and takes a field without a colon as empty', () => {
    const { messages } = parse([': keep-alive\n\ndata:no space\ndata:  two spaces\ndata\n\n']);
    expect(messages).to.deep.equal([{ type: 'message', data: 'no space\n two spaces\n', lastEventId: '' }]);
  });

  it('does not dispatch an event without data, yet its id becomes the last event ID', () => {
    const { messages, lastEventId } = parse(['id: evt_9\n\n']);
    expect(messages).to.deep.equal([]);
    expect(lastEventId).to.equal('evt_9');
  });

  it('keeps the last id for later events, ignores an id with NUL, and an empty id resets it', () => {
    const { messages } = parse(['id: a\ndata: 1\n\ndata: 2\n\nid: b\0c\ndata: 3\n\nid\ndata: 4\n\n'], 'start');
    expect(messages.map((m) => m.lastEventId)).to.deep.equal(['a', 'a', 'a', '']);
  });

  it('takes retry only when it is all ASCII digits, and ignores unknown fields', () => {
    const { retries, messages } = parse(['retry: 5000\nretry: 10s\nretry: -1\nretry:250\nfoo: bar\n\n']);
    expect(retries).to.deep.equal([5000, 250]);
    expect(messages).to.deep.equal([]);
  });

  it('drops an event that the stream ends before its blank line (and its id)', () => {
    const { messages, lastEventId } = parse(['data: done\n\nid: late\ndata: cut off\n'], 'first');
    expect(messages.map((m) => m.data)).to.deep.equal(['done']);
    expect(lastEventId).to.equal('first');
  });
});

import { scryptSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hashPassword, verifyPassword } from '../src/passwords.js';
import { fakeUsersDb } from '../src/users.js';

describe('scrypt password hashes', () => {
  it('verify the password they were made from, and no other', async () => {
    const stored = await hashPassword('correct horse');
    expect(stored).toMatch(/^scrypt\$ln=15,r=8,p=3\$[\w-]{22}\$[\w-]{43}$/);
    expect(await verifyPassword('correct horse', stored)).toBe(true);
    expect(await verifyPassword('correct horse ', stored)).toBe(false);
    expect(await verifyPassword('', stored)).toBe(false);
  });

  it('salt every hash, so equal passwords do not have equal hashes', async () => {
    const [a, b] = await Promise.all([hashPassword('same'), hashPassword('same')]);
    expect(a).not.toBe(b);
    expect(await verifyPassword('same', a)).toBe(true);
    expect(await verifyPassword('same', b)).toBe(true);
  });

  it('read the cost from the stored hash, so hashes made with other parameters still verify', async () => {
    const salt = Buffer.from('0123456789abcdef');
    const key = scryptSync('pw', salt, 32, { N: 2 ** 14, r: 8, p: 1 });
    const older = `scrypt$ln=14,r=8,p=1$${salt.toString('base64url')}$${key.toString('base64url')}`;
    expect(await verifyPassword('pw', older)).toBe(true);
    expect(await verifyPassword('pw', older.replace('ln=14', 'ln=15'))).toBe(false);
  });

  it('match the same password typed in another Unicode form (NFKC)', async () => {
    const stored = await hashPassword('caf\u00e9');
    expect(await verifyPassword('cafe\u0301', stored)).toBe(true);
  });

  it('refuse to read a stored value that is not one of these hashes', async () => {
    await expect(verifyPassword('secret', 'secret')).rejects.toThrow(/stored hash/);
    await expect(verifyPassword('secret', 'scrypt$ln=15,r=8,p=1$salt')).rejects.toThrow(/stored hash/);
  });

  it("are the fake database's: johndoe/secret and alice/secret2", async () => {
    expect(await verifyPassword('secret', fakeUsersDb.get('johndoe')!.hashed_password)).toBe(true);
    expect(await verifyPassword('secret2', fakeUsersDb.get('alice')!.hashed_password)).toBe(true);
    expect(await verifyPassword('secret', fakeUsersDb.get('alice')!.hashed_password)).toBe(false);
  });
});

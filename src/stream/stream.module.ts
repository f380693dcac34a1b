import { Module } from '@nestjs/common';
import { DecisionsModule } from '../decisions/decisions.module';
import { LabelsService } from '../labels/labels.service';
import { LabelsConsumer } from './labels.consumer';
import { TransactionsConsumer } from './transactions.consumer';

@Module({ imports: [DecisionsModule], providers: [TransactionsConsumer, LabelsConsumer, LabelsService] })
export class StreamModule {}
